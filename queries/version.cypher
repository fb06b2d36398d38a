// A trivial read: its bookmark names the database's last committed transaction.
RETURN 1 AS one
