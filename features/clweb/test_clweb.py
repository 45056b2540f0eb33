"""Binds every feature of the CL/Web guide (seeds/004) in this folder; steps come from steps/."""
from pytest_bdd import scenarios

scenarios(".")
