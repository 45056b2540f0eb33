"""Errors the suite reports to an operator in one line, without a traceback."""


class LabError(Exception):
    """Something about the lab (engine, image, server, topology) that stops a procedure.

    The message is complete on its own: it names the server, file or key concerned.
    """
