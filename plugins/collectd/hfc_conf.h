/* hfc_conf: <Plugin helixflow> -> blocks of core settings.
 *
 *   <Plugin helixflow>
 *     Root "/"  StateDir "/var/lib/collectd/helixflow"  Timeout 10  SaveInterval 300
 *     <Services> Service "api-gateway" ... Interval 10 </Services>
 *     <Endpoint "health"> Url "https://..." </Endpoint>
 *     ...
 *   </Plugin>
 *
 * Block names map to check kinds (hfc_conf_kinds); inside a block every key
 * is a core setting of that kind, spelled in CamelCase (hf_settings_find_loose:
 * HealthUrl = health-url), plus Interval and SaveInterval. Root, StateDir and
 * Timeout given at the top apply to every block that does not set its own.
 * A bad key or value is logged (ERROR) as
 *   helixflow plugin: <Endpoint "health">: Url: <the core's message>
 * and disables that block only. No block at all: the standard deployment,
 * one block of each kind with the core's defaults. */
#ifndef HFC_CONF_H
#define HFC_CONF_H

#include "hfc_block.h"

typedef struct oconfig_item_s oconfig_item_t;

/* Read <Plugin helixflow> into bs (which may already hold blocks). Returns
 * 0; config errors are logged and leave the block broken. */
int hfc_conf_read(hfc_blocks *bs, oconfig_item_t *ci);
/* After the configuration: the standard blocks when none was configured,
 * the plugin-wide settings applied, every block validated. Returns 0 or
 * -ENOMEM. */
int hfc_conf_finish(hfc_blocks *bs);
/* Free every block and setting; bs is empty afterwards. */
void hfc_blocks_free(hfc_blocks *bs);

#endif
