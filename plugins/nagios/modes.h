/* The check modes; each lives in mode_<name>.c. */
#ifndef HFN_MODES_H
#define HFN_MODES_H

#include "hfn.h"

extern const hfn_mode hfm_service;
extern const hfn_mode hfm_http;
extern const hfn_mode hfm_api;
extern const hfn_mode hfm_cert;
extern const hfn_mode hfm_db;
extern const hfn_mode hfm_backup;
extern const hfn_mode hfm_log;
extern const hfn_mode hfm_resources;
extern const hfn_mode hfm_all;

#endif
