"""Binds every feature of use case 000 (seeds/000) in this folder; steps come from steps/."""
from pytest_bdd import scenarios

scenarios(".")
