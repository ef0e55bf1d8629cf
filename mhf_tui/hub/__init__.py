"""The service hub: facilitators' pseudonymised returns loaded into PostgreSQL, and the
outcomes report computed from SQL views (issue 18). Needs the `hub` extra (psycopg 3)."""
