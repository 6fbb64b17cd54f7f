-- Latency percentiles over a time range without reading the runs: each model's successful runs by
-- time key, with their execution time. `Store::run_stats` reads a model's median and 95th
-- percentile as the runs at two ranks in order of time taken. Without a time range it walks
-- `runs_success_latency` (already in that order); with one, SQLite took the model's runs in the
-- range from `runs_by_model` and read each run's row for its time (four of them per model, one
-- each side of each rank): 77 of the 162 ms `bench/stats.sh` measured for a range of 27,000 of
-- 100,000 runs. From this index the range is a seek and the times are in it (27 ms).
CREATE INDEX runs_success_by_time ON runs (provider, model, seq, execution_time_ms)
WHERE status = 'success';
