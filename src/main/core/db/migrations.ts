/**
 * Numbered schema migrations. Each runs once, in order, inside a transaction, and is recorded in
 * `schema_migrations`. Never edit a migration that has shipped: add the next number.
 */
export interface Migration {
  version: number
  name: string
  sql: string
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'jobs',
    sql: `
      CREATE TABLE jobs (
        id           TEXT PRIMARY KEY,
        kind         TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','cancelled','interrupted')),
        params_json  TEXT NOT NULL DEFAULT 'null',
        progress_json TEXT,
        result_json  TEXT,
        error        TEXT,
        owner_pid    INTEGER,
        created_at   TEXT NOT NULL,
        started_at   TEXT,
        finished_at  TEXT
      );
      CREATE INDEX jobs_by_created ON jobs (created_at DESC);
      CREATE INDEX jobs_by_status ON jobs (status);
    `,
  },
  {
    version: 2,
    name: 'history',
    sql: `
      CREATE TABLE datasets (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        format       TEXT NOT NULL,
        source_path  TEXT NOT NULL,
        fingerprint  TEXT NOT NULL,
        classes_json TEXT NOT NULL,
        settings_json TEXT NOT NULL,
        stats_json   TEXT NOT NULL,
        created_at   TEXT NOT NULL
      );
      CREATE TABLE vector_files (
        id           TEXT PRIMARY KEY,
        path         TEXT NOT NULL,
        fingerprint  TEXT NOT NULL,
        format       TEXT NOT NULL,
        count        INTEGER NOT NULL,
        dim          INTEGER NOT NULL,
        created_at   TEXT NOT NULL
      );
      CREATE TABLE runs (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        dataset_id   TEXT REFERENCES datasets (id) ON DELETE SET NULL,
        vectors_id   TEXT REFERENCES vector_files (id) ON DELETE SET NULL,
        job_id       TEXT REFERENCES jobs (id) ON DELETE SET NULL,
        preset       TEXT,
        config_json  TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','cancelled','interrupted')),
        backend      TEXT,
        seed         INTEGER,
        versions_json TEXT,
        test_metrics_json TEXT,
        error        TEXT,
        created_at   TEXT NOT NULL,
        started_at   TEXT,
        finished_at  TEXT,
        duration_ms  INTEGER
      );
      CREATE INDEX runs_by_created ON runs (created_at DESC);
      CREATE TABLE run_steps (
        run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step         INTEGER NOT NULL,
        epoch        INTEGER NOT NULL,
        loss         REAL,
        accuracy     REAL,
        learning_rate REAL,
        samples_per_sec REAL,
        PRIMARY KEY (run_id, step)
      ) WITHOUT ROWID;
      CREATE TABLE run_epochs (
        run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        epoch        INTEGER NOT NULL,
        train_loss   REAL,
        train_accuracy REAL,
        val_loss     REAL,
        val_accuracy REAL,
        duration_ms  INTEGER,
        PRIMARY KEY (run_id, epoch)
      ) WITHOUT ROWID;
      CREATE TABLE artifacts (
        id           TEXT PRIMARY KEY,
        run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        kind         TEXT NOT NULL,
        path         TEXT NOT NULL,
        bytes        INTEGER,
        created_at   TEXT NOT NULL
      );
      CREATE TABLE scoring_jobs (
        id           TEXT PRIMARY KEY,
        run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        job_id       TEXT REFERENCES jobs (id) ON DELETE SET NULL,
        source_path  TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','cancelled','interrupted')),
        count        INTEGER,
        error        TEXT,
        created_at   TEXT NOT NULL,
        finished_at  TEXT
      );
      CREATE TABLE scoring_results (
        scoring_job_id TEXT NOT NULL REFERENCES scoring_jobs (id) ON DELETE CASCADE,
        idx          INTEGER NOT NULL,
        source       TEXT NOT NULL,
        label        TEXT NOT NULL,
        score        REAL NOT NULL,
        probs_json   TEXT,
        PRIMARY KEY (scoring_job_id, idx)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'vector-file-details',
    sql: `
      ALTER TABLE vector_files ADD COLUMN member TEXT;
      ALTER TABLE vector_files ADD COLUMN inspection_json TEXT;
    `,
  },
  {
    version: 4,
    name: 'training-runs',
    sql: `
      ALTER TABLE runs ADD COLUMN dataset_fingerprint TEXT;
      ALTER TABLE runs ADD COLUMN backend_detail TEXT;
      ALTER TABLE runs ADD COLUMN best_json TEXT;
      ALTER TABLE runs ADD COLUMN progress_json TEXT;
      ALTER TABLE runs ADD COLUMN samples_per_second REAL;
      CREATE TABLE run_validations (
        run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step         INTEGER NOT NULL,
        epoch        INTEGER NOT NULL,
        loss         REAL NOT NULL,
        accuracy     REAL NOT NULL,
        PRIMARY KEY (run_id, step)
      ) WITHOUT ROWID;
      CREATE TABLE run_log (
        run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq          INTEGER NOT NULL,
        at           TEXT NOT NULL,
        line         TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    name: 'scoring',
    sql: `
      ALTER TABLE scoring_jobs ADD COLUMN name TEXT NOT NULL DEFAULT '';
      ALTER TABLE scoring_jobs ADD COLUMN input_json TEXT;
      ALTER TABLE scoring_jobs ADD COLUMN label_map_json TEXT;
      ALTER TABLE scoring_jobs ADD COLUMN classes_json TEXT;
      ALTER TABLE scoring_jobs ADD COLUMN skipped_count INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE scoring_jobs ADD COLUMN skipped_json TEXT;
      ALTER TABLE scoring_jobs ADD COLUMN outcome_json TEXT;
      ALTER TABLE scoring_results ADD COLUMN snippet TEXT NOT NULL DEFAULT '';
      ALTER TABLE scoring_results ADD COLUMN truth TEXT;
      ALTER TABLE scoring_results ADD COLUMN text_offset INTEGER;
      ALTER TABLE scoring_results ADD COLUMN text_length INTEGER;
      CREATE INDEX scoring_results_by_score ON scoring_results (scoring_job_id, score);
      CREATE INDEX scoring_results_by_label ON scoring_results (scoring_job_id, label, score);
      CREATE INDEX scoring_jobs_by_run ON scoring_jobs (run_id, created_at);
    `,
  },
  {
    version: 6,
    name: 'run-history',
    sql: `
      ALTER TABLE runs ADD COLUMN model TEXT;
      ALTER TABLE runs ADD COLUMN test_accuracy REAL;
      ALTER TABLE runs ADD COLUMN test_f1 REAL;
      ALTER TABLE runs ADD COLUMN best_val_accuracy REAL;
      ALTER TABLE runs ADD COLUMN best_val_loss REAL;
      ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT '';
      ALTER TABLE runs ADD COLUMN starred INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN group_id TEXT;
      ALTER TABLE runs ADD COLUMN queue_position REAL;
      -- The test figures (with their ROC points, ~8 KB) move to their own table: columns added to
      -- runs sit after them in each row, and SQLite would walk every row's overflow pages to read
      -- them, which made a sorted page of 10,000 runs take a second.
      CREATE TABLE run_tests (
        run_id       TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        metrics_json TEXT NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO run_tests (run_id, metrics_json)
        SELECT id, test_metrics_json FROM runs WHERE test_metrics_json IS NOT NULL;
      UPDATE runs SET
        model = json_extract(config_json, '$.model'),
        test_accuracy = json_extract(test_metrics_json, '$.accuracy'),
        test_f1 = json_extract(test_metrics_json, '$.f1'),
        best_val_accuracy = json_extract(best_json, '$.accuracy'),
        best_val_loss = json_extract(best_json, '$.loss'),
        test_metrics_json = NULL;
      CREATE TABLE run_tags (
        run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        tag          TEXT NOT NULL,
        PRIMARY KEY (run_id, tag)
      ) WITHOUT ROWID;
      CREATE INDEX run_tags_by_tag ON run_tags (tag, run_id);
      CREATE INDEX runs_by_status ON runs (status, created_at);
      CREATE INDEX runs_by_test_accuracy ON runs (test_accuracy);
      CREATE INDEX runs_by_group ON runs (group_id);
    `,
  },
  {
    // `migrate` applies every version a database lacks, in order, so a database that got 7 before
    // 5 or 6 existed (development builds) still gets them.
    version: 7,
    name: 'cross-process-cancel',
    sql: `ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 8,
    name: 'run-archives-and-queue',
    sql: `
      -- App-wide settings that outlive a restart (the queue's concurrency), one JSON value per key.
      CREATE TABLE settings (
        key          TEXT PRIMARY KEY,
        value_json   TEXT NOT NULL
      ) WITHOUT ROWID;
      -- The process that queued (then claimed) a run: another live process leaves it alone.
      ALTER TABLE runs ADD COLUMN queue_owner INTEGER;
      -- The dataset's name when the run was imported from an archive and that dataset is absent here.
      ALTER TABLE runs ADD COLUMN dataset_label TEXT;
    `,
  },
  {
    version: 9,
    name: 'run-refit',
    // A run that trains on train + validation (Auto's refit) says so in its row: a resume after a
    // restart trains on the same examples, and the run's page can say why validation looks perfect.
    sql: `ALTER TABLE runs ADD COLUMN refit INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 10,
    name: 'scoring-results-key',
    // Result rows are keyed by a small integer instead of the job's 36-character id: that id was stored
    // in every row and in both indexes, and writing a row cost about twice as much with it.
    sql: `
      ALTER TABLE scoring_jobs ADD COLUMN result_key INTEGER;
      UPDATE scoring_jobs SET result_key = rowid;
      CREATE UNIQUE INDEX scoring_jobs_by_result_key ON scoring_jobs (result_key);
      CREATE TABLE scoring_results_keyed (
        job_key      INTEGER NOT NULL REFERENCES scoring_jobs (result_key) ON DELETE CASCADE,
        idx          INTEGER NOT NULL,
        source       TEXT NOT NULL,
        label        TEXT NOT NULL,
        score        REAL NOT NULL,
        probs_json   TEXT,
        snippet      TEXT NOT NULL DEFAULT '',
        truth        TEXT,
        text_offset  INTEGER,
        text_length  INTEGER,
        PRIMARY KEY (job_key, idx)
      ) WITHOUT ROWID;
      INSERT INTO scoring_results_keyed
        SELECT j.result_key, r.idx, r.source, r.label, r.score, r.probs_json, r.snippet, r.truth, r.text_offset, r.text_length
        FROM scoring_results r JOIN scoring_jobs j ON j.id = r.scoring_job_id;
      DROP TABLE scoring_results;
      ALTER TABLE scoring_results_keyed RENAME TO scoring_results;
      CREATE INDEX scoring_results_by_score ON scoring_results (job_key, score);
      CREATE INDEX scoring_results_by_label ON scoring_results (job_key, label, score);
    `,
  },
]

export const latestSchemaVersion = Math.max(...migrations.map((m) => m.version))
