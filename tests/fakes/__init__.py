"""Fakes of outside services, run by the tests on 127.0.0.1."""
