/* hf_db: placeholder until the probe is written. */
