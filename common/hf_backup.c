/* hf_backup: placeholder until the probe is written. */
