"""Unit tests of sspi_compat.mapping (a package so that module names such as
``test_status`` do not collide with tests/unit/test_status.py)."""
