"""The hub's schema in PostgreSQL (schema `hub`), as numbered migrations tracked in
`hub.schema_version`. Once a version has shipped its SQL never changes; a later change is a
new migration. Tables hold what the returns carry; the views and functions after them are
what the report reads, documented for analysts in docs/hub.md.
"""

from __future__ import annotations

from typing import Any

#: the six elements of the SMI annual physical health check (ids as in the review template)
HEALTH_CHECK_ELEMENTS = ("alcohol", "blood_pressure", "bmi", "cholesterol", "glucose", "smoking")

_V1_TABLES = """
CREATE TABLE hub.setting (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE hub.device (
    id serial PRIMARY KEY,
    fingerprint text NOT NULL UNIQUE,
    name text NOT NULL,
    enrolled_at timestamptz NOT NULL DEFAULT now(),
    last_import_at timestamptz
);
CREATE TABLE hub.return_file (
    id bigserial PRIMARY KEY,
    device integer NOT NULL REFERENCES hub.device (id),
    device_uuid text NOT NULL,
    period_label text NOT NULL,
    period_start date NOT NULL,
    period_end date NOT NULL CHECK (period_end >= period_start),
    sequence bigint NOT NULL,
    manifest_sha256 text NOT NULL UNIQUE,
    created_at text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    counts jsonb NOT NULL,
    UNIQUE (device, period_start, period_end)
);
-- An episode: one facilitator device's time with one person (pseudonym), from its start.
CREATE TABLE hub.episode_key (
    id bigserial PRIMARY KEY,
    device integer NOT NULL REFERENCES hub.device (id),
    pseudonym text NOT NULL,
    episode_start date NOT NULL,
    UNIQUE (device, pseudonym, episode_start)
);
CREATE INDEX episode_key_pseudonym ON hub.episode_key (pseudonym);
-- One row per episode per return (an episode seen in four quarters has four).
CREATE TABLE hub.episode (
    id bigserial PRIMARY KEY,
    return_id bigint NOT NULL REFERENCES hub.return_file (id),
    key_id bigint NOT NULL REFERENCES hub.episode_key (id),
    episode_end date,
    age_band text NOT NULL,
    sex text NOT NULL,
    practice_ods text NOT NULL,
    care_cluster smallint,
    smi boolean NOT NULL,
    UNIQUE (return_id, key_id)
);
CREATE INDEX episode_by_key ON hub.episode (key_id);
-- Events: each dated within its return's period, so no event is in two returns.
CREATE TABLE hub.contact (
    return_id bigint NOT NULL, episode_id bigint NOT NULL,
    contact_on date NOT NULL, mode text NOT NULL, minutes integer, dna boolean NOT NULL
);
CREATE TABLE hub.measure (
    return_id bigint NOT NULL, episode_id bigint NOT NULL, key_id bigint NOT NULL,
    seq integer NOT NULL CHECK (seq < 10000),
    measure text NOT NULL, taken_on date NOT NULL, total smallint NOT NULL
);
CREATE TABLE hub.goal_score (
    return_id bigint NOT NULL, episode_id bigint NOT NULL, key_id bigint NOT NULL,
    seq integer NOT NULL CHECK (seq < 10000),
    goal smallint NOT NULL, scored_on date NOT NULL, score smallint NOT NULL
);
CREATE TABLE hub.health_check (
    return_id bigint NOT NULL, episode_id bigint NOT NULL, key_id bigint NOT NULL,
    element text NOT NULL,
    done_on date NOT NULL
);
CREATE TABLE hub.signposting (
    return_id bigint NOT NULL, episode_id bigint NOT NULL, service text NOT NULL,
    category text NOT NULL, status text NOT NULL, signposted_on date NOT NULL,
    updated_on date NOT NULL
);
-- Contacts summed per episode row, filled from hub.contact by the import (the report reads
-- this rather than summing two million contacts each time).
CREATE TABLE hub.episode_contacts (
    episode_id bigint PRIMARY KEY, return_id bigint NOT NULL, practice_ods text NOT NULL,
    care_cluster smallint,
    contacts integer NOT NULL, minutes integer NOT NULL, face_to_face integer NOT NULL,
    phone integer NOT NULL, video integer NOT NULL, home_visit integer NOT NULL,
    dna integer NOT NULL, cancelled integer NOT NULL
);
CREATE INDEX contact_return ON hub.contact (return_id);
CREATE INDEX episode_contacts_return ON hub.episode_contacts (return_id);
CREATE INDEX measure_return ON hub.measure (return_id);
CREATE INDEX goal_score_return ON hub.goal_score (return_id);
CREATE INDEX health_check_return ON hub.health_check (return_id);
CREATE INDEX signposting_return ON hub.signposting (return_id);
-- Thresholds for PHQ-9 and GAD-7 (NHS Talking Therapies): reliable change and caseness.
CREATE TABLE hub.measure_threshold (
    measure text PRIMARY KEY, reliable_change integer NOT NULL, caseness integer NOT NULL
);
INSERT INTO hub.measure_threshold VALUES ('phq9', 6, 10), ('gad7', 4, 8);
CREATE TABLE hub.health_check_element (element text PRIMARY KEY);
"""

_V1_VIEWS = """
CREATE VIEW hub.v_return AS
    SELECT r.id AS return_id, d.id AS device, d.name AS facilitator, d.fingerprint,
           r.period_label, r.period_start, r.period_end, r.sequence, r.imported_at, r.counts
    FROM hub.return_file r JOIN hub.device d ON d.id = r.device;

-- Every episode row with its episode's key, its return's period and facilitator.
CREATE VIEW hub.v_episode_row AS
    SELECT e.id AS episode_id, e.key_id, k.device, r.facilitator, r.period_start,
           r.period_end, k.pseudonym, k.episode_start, e.episode_end, e.age_band, e.sex,
           e.practice_ods, e.care_cluster, e.smi
    FROM hub.episode e
    JOIN hub.episode_key k ON k.id = e.key_id
    JOIN hub.v_return r ON r.return_id = e.return_id;

-- Episodes seen in returns wholly inside [p_from, p_to], one row each, with the attributes
-- from the latest of those returns.
CREATE FUNCTION hub.episodes_in(p_from date, p_to date)
RETURNS TABLE (key_id bigint, device integer, facilitator text, pseudonym text,
               episode_start date, episode_end date, age_band text, sex text,
               practice_ods text, care_cluster smallint, smi boolean)
LANGUAGE sql STABLE AS $$
    WITH latest AS (  -- per episode, the row from the latest return (folded: no sort)
        SELECT max((r.period_end - DATE '1900-01-01')::bigint * 1000000000000 + e.id)
                   % 1000000000000 AS id
        FROM hub.episode e JOIN hub.return_file r ON r.id = e.return_id
        WHERE r.period_start >= p_from AND r.period_end <= p_to
        GROUP BY e.key_id
    )
    SELECT e.key_id, k.device, d.name, k.pseudonym, k.episode_start, e.episode_end,
           e.age_band, e.sex, e.practice_ods, e.care_cluster, e.smi
    FROM latest l
    JOIN hub.episode e ON e.id = l.id
    JOIN hub.episode_key k ON k.id = e.key_id
    JOIN hub.device d ON d.id = k.device
$$;
CREATE VIEW hub.v_episode AS SELECT * FROM hub.episodes_in('-infinity', 'infinity');

CREATE VIEW hub.v_contact AS
    SELECT e.key_id, e.device, e.facilitator, e.practice_ods, e.care_cluster, e.period_start,
           e.period_end, e.pseudonym, e.episode_start, c.contact_on, c.mode, c.minutes, c.dna
    FROM hub.contact c JOIN hub.v_episode_row e ON e.episode_id = c.episode_id;

CREATE VIEW hub.v_contact_summary AS
    SELECT c.episode_id, r.device, r.facilitator, c.practice_ods, c.care_cluster,
           r.period_start, r.period_end, c.contacts, c.minutes, c.face_to_face, c.phone,
           c.video, c.home_visit, c.dna, c.cancelled
    FROM hub.episode_contacts c JOIN hub.v_return r ON r.return_id = c.return_id;

CREATE VIEW hub.v_signposting AS
    SELECT s.episode_id, r.device, r.facilitator, e.practice_ods, e.care_cluster,
           r.period_start, r.period_end, s.service, s.category, s.status, s.signposted_on,
           s.updated_on
    FROM hub.signposting s
    JOIN hub.episode e ON e.id = s.episode_id
    JOIN hub.v_return r ON r.return_id = s.return_id;

-- PHQ-9 / GAD-7 per episode: first and last score on or before p_to (by date, then the
-- order in the facilitator's record), and the outcome flags. Each score is folded into one
-- number, days since 1900 * 10^6 + order * 100 + total, so min/max find the first and last
-- in a single pass without sorting.
CREATE FUNCTION hub.measure_outcomes(p_to date)
RETURNS TABLE (key_id bigint, measure text, scores integer, first_on date,
               first_total integer, last_on date, last_total integer, paired boolean,
               change integer, at_caseness boolean, reliable_improvement boolean,
               reliable_deterioration boolean, recovery boolean)
LANGUAGE sql STABLE AS $$
    WITH ends AS (
        SELECT m.key_id, m.measure, count(*)::integer AS scores,
               min((m.taken_on - DATE '1900-01-01')::bigint * 1000000 + m.seq * 100 + m.total)
                   AS f,
               max((m.taken_on - DATE '1900-01-01')::bigint * 1000000 + m.seq * 100 + m.total)
                   AS l
        FROM hub.measure m
        WHERE m.taken_on <= p_to
        GROUP BY m.key_id, m.measure
    ), pairs AS (
        SELECT key_id, measure, scores,
               DATE '1900-01-01' + (f / 1000000)::integer AS first_on,
               (f % 100)::integer AS first_total,
               DATE '1900-01-01' + (l / 1000000)::integer AS last_on,
               (l % 100)::integer AS last_total
        FROM ends
    )
    SELECT p.key_id, p.measure, p.scores, p.first_on, p.first_total, p.last_on,
           p.last_total, p.scores >= 2,
           CASE WHEN p.scores >= 2 THEN p.last_total - p.first_total END,
           p.first_total >= t.caseness,
           p.scores >= 2 AND p.first_total - p.last_total >= t.reliable_change,
           p.scores >= 2 AND p.last_total - p.first_total >= t.reliable_change,
           p.scores >= 2 AND p.first_total >= t.caseness AND p.last_total < t.caseness
    FROM pairs p JOIN hub.measure_threshold t ON t.measure = p.measure
$$;
CREATE VIEW hub.v_measure_outcome AS
    SELECT k.device, k.pseudonym, k.episode_start, o.*
    FROM hub.measure_outcomes('infinity') o JOIN hub.episode_key k ON k.id = o.key_id;

-- Goal-based outcomes per episode and goal: first and last score on or before p_to (folded
-- as for the measures).
CREATE FUNCTION hub.goal_changes(p_to date)
RETURNS TABLE (key_id bigint, goal smallint, scores integer, first_score integer,
               last_score integer)
LANGUAGE sql STABLE AS $$
    SELECT g.key_id, g.goal, count(*)::integer,
           (min((g.scored_on - DATE '1900-01-01')::bigint * 1000000 + g.seq * 100 + g.score)
               % 100)::integer,
           (max((g.scored_on - DATE '1900-01-01')::bigint * 1000000 + g.seq * 100 + g.score)
               % 100)::integer
    FROM hub.goal_score g
    WHERE g.scored_on <= p_to
    GROUP BY g.key_id, g.goal
$$;
CREATE VIEW hub.v_goal_change AS SELECT * FROM hub.goal_changes('infinity');

-- Physical health check elements recorded in the 12 months up to p_to, per episode.
CREATE FUNCTION hub.health_check_elements(p_to date)
RETURNS TABLE (key_id bigint, elements integer)
LANGUAGE sql STABLE AS $$
    SELECT key_id, count(*)::integer FROM (
        SELECT DISTINCT h.key_id, h.element
        FROM hub.health_check h
        JOIN hub.health_check_element k ON k.element = h.element
        WHERE h.done_on <= p_to AND h.done_on > p_to - interval '12 months'
    ) recorded
    GROUP BY key_id
$$;
CREATE VIEW hub.v_health_check_elements AS
    SELECT * FROM hub.health_check_elements(
        (SELECT coalesce(max(period_end), current_date) FROM hub.return_file));
"""


def _v1(cur: Any) -> None:
    cur.execute(_V1_TABLES)
    cur.executemany(
        "INSERT INTO hub.health_check_element VALUES (%s)", [(e,) for e in HEALTH_CHECK_ELEMENTS]
    )
    cur.execute(_V1_VIEWS)


MIGRATIONS = [_v1]
LATEST = len(MIGRATIONS)
_LOCK = 0x6D686662  # advisory lock id: one migrator at a time


def migrate(conn: Any) -> list[int]:
    """Create the schema or bring it up to date, in one transaction; the versions applied."""
    applied: list[int] = []
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        cur.execute("CREATE SCHEMA IF NOT EXISTS hub")
        cur.execute("CREATE TABLE IF NOT EXISTS hub.schema_version (version integer NOT NULL)")
        cur.execute("SELECT max(version) FROM hub.schema_version")
        current = cur.fetchone()[0] or 0
        if current > LATEST:
            from mhf_tui.hub.db import HubError

            raise HubError(f"the hub schema is version {current}, newer than this mhf ({LATEST})")
        for version in range(current + 1, LATEST + 1):
            MIGRATIONS[version - 1](cur)
            cur.execute("INSERT INTO hub.schema_version VALUES (%s)", (version,))
            applied.append(version)
    return applied


def schema_version(conn: Any) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('hub.schema_version')")
        if cur.fetchone()[0] is None:
            return 0
        cur.execute("SELECT max(version) FROM hub.schema_version")
        return int(cur.fetchone()[0] or 0)
