"""tengine_core: the reference Tengine core (tengined, tengine_fire), keeping the contract in
oat's lab/packages/TENGINE.md on PostgreSQL (psycopg2) and RabbitMQ (pika)."""
