"""Question tests: the server's notifications (unknown labels in near-empty fixture
graphs) are kept quiet by tests/conftest.py, which fails a test only on a deprecation."""
