"""Question tests: the server's notifications (unknown labels in near-empty fixture graphs)
are noise here."""

import logging

logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
