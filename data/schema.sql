-- The warehouse analysts query. Table and column names here are a contract:
-- add columns freely, never rename. Every timestamp is UTC.

-- Which schema migrations have been applied.
CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at TIMESTAMP NOT NULL
);

-- One row per pipeline run: what was asked, what went in and out of each stage, which
-- models made the numbers, and how long each stage took.
CREATE TABLE IF NOT EXISTS runs (
    run_id       VARCHAR PRIMARY KEY,   -- e.g. 20261123T021500Z-ab12cd
    flow_run_id  VARCHAR,               -- the Prefect flow run, when run through Prefect
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       VARCHAR NOT NULL,      -- running | completed | failed | interrupted (killed)
    parameters   JSON,                  -- source, since, until, config path
    stage_counts JSON,                  -- {"ingest": {"read": .., "loaded": ..}, ...}
    timings      JSON,                  -- seconds per stage
    models       JSON,                  -- names and versions of every model used
    error        VARCHAR
);

-- One row per piece of feedback (a review, a post, a chat's customer turns, one survey answer).
CREATE TABLE IF NOT EXISTS feedback (
    doc_id           VARCHAR PRIMARY KEY, -- stable: hash of source, source_record_id, question
    source           VARCHAR NOT NULL,    -- the source's name in configs/voc.toml
    source_record_id VARCHAR NOT NULL,    -- the record's id in the source system (join to CRM)
    channel          VARCHAR NOT NULL,    -- review | social | chat | survey
    created_at       TIMESTAMP NOT NULL,  -- when the customer said it (UTC)
    customer_key     VARCHAR,             -- keyed hash of e-mail/phone/handle; never the identity
    question         VARCHAR,             -- survey: the free-text question answered
    title            VARCHAR,             -- review title (redacted), also part of text
    text             VARCHAR NOT NULL,    -- the customer's words, normalised and redacted
    product          VARCHAR,
    country          VARCHAR,
    platform         VARCHAR,             -- social platform
    reach            BIGINT,              -- social reach
    lang             VARCHAR,             -- ISO 639-1, or 'und'
    lang_confidence  DOUBLE,
    rating           DOUBLE,              -- star rating as given
    rating_scale     INTEGER,             -- 5 or 10
    nps              DOUBLE,              -- 0-10
    csat             DOUBLE,              -- 1-5
    ces              DOUBLE,              -- 1-7
    sentiment        VARCHAR,             -- negative | neutral | positive
    sentiment_score  DOUBLE,              -- -1..1
    topic_id         INTEGER,             -- main theme: the theme of its most negative sentence
    text_hash        VARCHAR,
    ingested_run_id  VARCHAR NOT NULL,
    enriched_run_id  VARCHAR              -- run that computed lang, sentiment and sentences
);

-- Sentences of each piece of feedback, the unit themes are found on.
CREATE TABLE IF NOT EXISTS sentences (
    doc_id          VARCHAR NOT NULL,
    sentence_idx    INTEGER NOT NULL,
    text            VARCHAR NOT NULL,
    lang            VARCHAR,
    sentiment       VARCHAR,
    sentiment_score DOUBLE,
    topic_id        INTEGER,             -- NULL: fits no theme
    topic_similarity DOUBLE,             -- cosine to the theme's centroid (language-centred);
                                         -- 0 for a sentence that states no cause
    text_hash       VARCHAR NOT NULL,
    states_cause    BOOLEAN,             -- false: tone only ("Unacceptable!", "Thanks"), so it
                                         -- takes its document's cause theme, or the general
                                         -- theme when the document states none
    PRIMARY KEY (doc_id, sentence_idx)
);

-- Themes. topic_id stays the same across runs while the theme's centroid does.
CREATE TABLE IF NOT EXISTS topics (
    topic_id         INTEGER PRIMARY KEY,
    label            VARCHAR NOT NULL,    -- short readable label (an analyst's, if curated)
    generated_label  VARCHAR,             -- the label the pipeline made
    keywords         VARCHAR[],           -- top keywords over all languages
    keywords_by_lang JSON,                -- {"en": [...], "fa": [...]}
    size             INTEGER,             -- sentences in the theme at the last run
    status           VARCHAR NOT NULL,    -- active | hidden | merged | retired
    first_seen_run   VARCHAR NOT NULL,
    last_seen_run    VARCHAR NOT NULL,
    centroid         FLOAT[],             -- unit-length language-centred mean, to match across runs
    kind             VARCHAR DEFAULT 'cause' -- cause | general: the one general theme holds
                                          -- tone-only feedback that states no cause; it is
                                          -- never ranked as a pain point
);

-- Analysts' decisions on themes, applied after every run (refits included), so they last.
-- Write it with SQL or `voc themes ...`; one row per theme, NULL/false = no decision.
CREATE TABLE IF NOT EXISTS theme_curation (
    topic_id    INTEGER PRIMARY KEY,
    label       VARCHAR,                 -- shown instead of the generated label
    merged_into INTEGER,                 -- this theme's sentences count under that theme
    hidden      BOOLEAN NOT NULL DEFAULT false,  -- left out of pain points and reports
    pinned      BOOLEAN NOT NULL DEFAULT false,  -- never retired; keeps its centroid
    note        VARCHAR,
    updated_at  TIMESTAMP NOT NULL DEFAULT now()
);

-- Themes declared by example: from [[themes.seeds]] in the config, or split off an existing
-- theme by an analyst (`voc themes split`). Each keeps its topic_id; sentences close to its
-- example phrases join it (a split-off takes them only from its parent theme).
CREATE TABLE IF NOT EXISTS theme_seeds (
    topic_id        INTEGER PRIMARY KEY,
    label           VARCHAR NOT NULL,
    phrases         VARCHAR[] NOT NULL,
    origin          VARCHAR NOT NULL,    -- config | split
    parent_topic_id INTEGER,             -- split: the theme it was split off
    created_run_id  VARCHAR
);

-- Each time the themes were found afresh (a refit), and why. Nights between refits put
-- new sentences into the existing themes.
CREATE TABLE IF NOT EXISTS theme_fits (
    run_id      VARCHAR PRIMARY KEY,
    fitted_at   TIMESTAMP NOT NULL,
    sentences   INTEGER NOT NULL,
    themes      INTEGER NOT NULL,
    reason      VARCHAR NOT NULL        -- first fit | last fit N days ago | asked | ...
);

-- What happened to each theme in each run. A refit: born, grew, shrank, stable,
-- merged_into (related_topic_id took most of its sentences), split_from (most of its
-- sentences came from related_topic_id, which lives on), retired. A night that only assigns
-- new sentences: grew.
CREATE TABLE IF NOT EXISTS theme_lineage (
    run_id           VARCHAR NOT NULL,
    topic_id         INTEGER NOT NULL,
    event            VARCHAR NOT NULL,
    related_topic_id INTEGER,
    size_before      INTEGER NOT NULL,   -- sentences
    size_after       INTEGER NOT NULL,
    share            DOUBLE,             -- of the sentences that moved (merged/split)
    PRIMARY KEY (run_id, topic_id)
);

-- The per-language mean vectors of the last refit, to centre new sentences the same way.
CREATE TABLE IF NOT EXISTS theme_language_means (
    lang        VARCHAR PRIMARY KEY,    -- '*' is the global mean, for rare languages
    mean        FLOAT[] NOT NULL,
    fit_run_id  VARCHAR NOT NULL
);

-- Each adaptation of the sentiment head to the deployment's clear scores, adopted or not
-- (nlp/rating_adaptation.py); the newest adopted one scores feedback from the next run on.
CREATE TABLE IF NOT EXISTS sentiment_adaptations (
    run_id      VARCHAR PRIMARY KEY,
    created_at  TIMESTAMP NOT NULL,
    base_model  VARCHAR NOT NULL,       -- the shipped head it started from
    model       VARCHAR NOT NULL,       -- its name in runs.models
    examples    INTEGER NOT NULL,       -- clearly scored documents it learnt from
    held_out    INTEGER NOT NULL,       -- clearly scored documents it was judged on
    adopted     BOOLEAN NOT NULL,
    reason      VARCHAR NOT NULL,
    scores      JSON NOT NULL,          -- macro-F1 of both heads on each check
    coef        FLOAT[] NOT NULL,       -- the adapted weights, row-major (classes x dim)
    intercept   FLOAT[] NOT NULL
);

-- The cause words of the last refit and their vectors (nlp/cause_words.py): new sentences
-- are placed with the same words.
CREATE TABLE IF NOT EXISTS theme_cause_words (
    word        VARCHAR PRIMARY KEY,
    vector      FLOAT[] NOT NULL,
    fit_run_id  VARCHAR NOT NULL
);

-- Per run and theme: how much it hurts.
CREATE TABLE IF NOT EXISTS pain_points (
    run_id            VARCHAR NOT NULL,
    topic_id          INTEGER NOT NULL,
    rank              INTEGER NOT NULL,   -- 1 = most negative feedback
    label             VARCHAR NOT NULL,
    keywords          VARCHAR[],
    volume            INTEGER NOT NULL,   -- pieces of feedback with a sentence in the theme
    sentence_count    INTEGER NOT NULL,
    negative_volume   INTEGER NOT NULL,   -- negative sentences in the theme: read negative, or
                                          -- neutral in feedback scored as a detractor
                                          -- (rating <= 2 of 5, NPS <= 6, CSAT <= 2)
    negative_share    DOUBLE NOT NULL,    -- negative sentences / sentences
    weekly_counts     JSON,               -- {"2026-09-07": 3, ...} feedback per ISO week, the
                                          -- unfinished last week (partial_week) included
    trend             VARCHAR,            -- growing | stable | shrinking | new | too little data:
                                          -- the theme's share of all feedback in the last 3
                                          -- complete weeks (recent_share) against the complete
                                          -- weeks before (baseline_share), Fisher's exact test;
                                          -- growing/shrinking only when trend_p_value < 0.05;
                                          -- new: none in the baseline; too little data: fewer
                                          -- than 4 complete weeks
    growth            DOUBLE,             -- recent_share / baseline_share (NULL without a
                                          -- baseline; before schema 6: raw weekly volume ratio)
    channels          JSON,               -- {"review": 10, ...}
    languages         JSON,               -- {"en": 4, "fa": 3, ...}
    avg_rating        DOUBLE,             -- of the theme's feedback, on a 1-5 scale
    avg_nps           DOUBLE,             -- mean of the 0-10 scores per piece of feedback (not
                                          -- an NPS: see nps)
    avg_csat          DOUBLE,             -- mean of the 1-5 scores per piece of feedback
    rating_delta      DOUBLE,             -- theme average minus overall average
    nps_delta         DOUBLE,             -- avg_nps minus the overall mean of the 0-10 scores
    score_impact      DOUBLE,             -- rating points lost overall because of this theme
    example_quotes    JSON,               -- [{"text":..., "lang":..., "channel":..., "doc_id":...}]
    -- Scores count each respondent once: a respondent is (source, source_record_id), so a
    -- survey row answering two questions in the theme is one vote.
    nps               DOUBLE,             -- % promoters (9-10) - % detractors (0-6), -100..100
    nps_respondents   INTEGER,            -- respondents with an NPS score
    csat_satisfied_share DOUBLE,          -- share of respondents with CSAT 4-5 (of 1-5)
    csat_respondents  INTEGER,
    ces_low_effort_share DOUBLE,          -- share with CES 5-7 (of 1-7, 7 = very easy)
    ces_respondents   INTEGER,
    weekly_shares     JSON,               -- {"2026-09-07": 0.12, ...} the theme's share of all
                                          -- feedback per complete week
    partial_week      DATE,               -- the unfinished week (the data's last timestamp is
                                          -- not past its end), left out of the trend
    recent_share      DOUBLE,             -- share of all feedback in the last 3 complete weeks
    baseline_share    DOUBLE,             -- share in the complete weeks before them
    trend_p_value     DOUBLE,             -- two-sided Fisher's exact test, recent vs baseline
    PRIMARY KEY (run_id, topic_id)
);

-- Every input record that was not loaded, with why. Re-reading the same bad record
-- does not add a row; last_run_id says when it was last seen.
CREATE TABLE IF NOT EXISTS quarantine (
    quarantine_id    VARCHAR PRIMARY KEY, -- hash of source, raw record and reason
    source           VARCHAR NOT NULL,
    channel          VARCHAR,
    source_record_id VARCHAR,
    raw_record       VARCHAR NOT NULL,    -- the record as read, personal data redacted
    reason           VARCHAR NOT NULL,    -- not_parseable | no_text | unparseable_date | ...
    detail           VARCHAR,
    first_run_id     VARCHAR NOT NULL,
    last_run_id      VARCHAR NOT NULL
);

-- Files each source has read completely, by content: a nightly run skips a file it has
-- already read (same path and sha256) and reads a changed or new one.
CREATE TABLE IF NOT EXISTS source_files (
    source       VARCHAR NOT NULL,
    path         VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,
    size_bytes   BIGINT NOT NULL,
    records      BIGINT NOT NULL,      -- records read from it (loaded, duplicate or quarantined)
    first_run_id VARCHAR NOT NULL,
    last_run_id  VARCHAR NOT NULL,
    PRIMARY KEY (source, path, sha256)
);

-- API sources: the newest record time pulled so far; the next pull asks from there
-- (less an overlap for records that arrive late, which load once by doc_id).
CREATE TABLE IF NOT EXISTS source_cursors (
    source      VARCHAR PRIMARY KEY,
    watermark   TIMESTAMP NOT NULL,
    run_id      VARCHAR NOT NULL
);

-- Records not loaded because the same customer said the same words on another channel
-- shortly before: they count once, and the link to the feedback kept is here.
CREATE TABLE IF NOT EXISTS feedback_duplicates (
    doc_id           VARCHAR PRIMARY KEY, -- the id the duplicate would have had
    duplicate_of     VARCHAR NOT NULL,    -- feedback.doc_id of the record kept
    source           VARCHAR NOT NULL,
    source_record_id VARCHAR NOT NULL,
    channel          VARCHAR NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    customer_key     VARCHAR NOT NULL,
    reason           VARCHAR NOT NULL,    -- same_customer_same_text
    run_id           VARCHAR NOT NULL
);

-- Unredacted original text, only when privacy.store_raw_text = true. Restrict access to it;
-- no other table, embedding, model or report ever holds personal data.
CREATE TABLE IF NOT EXISTS raw_feedback (
    doc_id          VARCHAR PRIMARY KEY,
    source          VARCHAR NOT NULL,
    raw_text        VARCHAR NOT NULL,
    ingested_run_id VARCHAR NOT NULL
);

-- Sentence embeddings by (text hash, model), so a text is never embedded twice.
CREATE TABLE IF NOT EXISTS embeddings (
    text_hash VARCHAR NOT NULL,
    model     VARCHAR NOT NULL,
    vector    FLOAT[] NOT NULL,
    PRIMARY KEY (text_hash, model)
);

-- The newest completed run's pain points, for dashboards.
CREATE OR REPLACE VIEW latest_pain_points AS
SELECT p.*
FROM pain_points p
WHERE p.run_id = (
    SELECT run_id FROM runs WHERE status = 'completed' ORDER BY started_at DESC LIMIT 1
);

-- Feedback with its theme's label, for ad-hoc slicing.
CREATE OR REPLACE VIEW feedback_themes AS
SELECT f.*, t.label AS topic_label
FROM feedback f
LEFT JOIN topics t USING (topic_id);
