#!/bin/bash
# The collectd plugin as built and installed: module_register is its only
# exported symbol; meson install puts the plugin, its types, the shipped
# configuration and the man page where collectd and man look.
set -u
. "$(dirname "$0")/lib.sh"
so=$HF_BUILD_DIR/plugins/collectd/helixflow.so
src=$(cd "$(dirname "$0")/../.." && pwd)

ok "the plugin is built" test -f "$so"
syms=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort)
TB_OUT=$syms TB_RC=0 TB_ERR=
_tb_report "module_register is the only exported symbol" "$([ "$syms" = module_register ] && echo 1 || echo 0)" 0 module_register
ok "collectd's own symbols are left undefined (resolved by the daemon)" \
    bash -c "nm -D --undefined-only '$so' | grep -q plugin_dispatch_values"

dest=$(mktemp -d "${TMPDIR:-/tmp}/hf-install.XXXXXX")
trap 'rm -rf "$dest"' EXIT
ok "meson install --destdir" meson install -C "$HF_BUILD_DIR" --no-rebuild --destdir "$dest" --quiet
prefix=$(meson introspect "$HF_BUILD_DIR" --buildoptions | python3 -c '
import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
pdir=$(meson introspect "$HF_BUILD_DIR" --buildoptions | python3 -c '
import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "collectd_plugindir"))')
ok "helixflow.so in collectd's plugin directory ($pdir)" test -f "$dest$pdir/helixflow.so"
ok "helixflow-types.db in share/collectd" test -f "$dest$prefix/share/collectd/helixflow-types.db"
ok "helixflow.conf in collectd.conf.d" test -f "$dest$prefix/etc/collectd/collectd.conf.d/helixflow.conf"
ok "collectd-helixflow(5)" test -f "$dest$prefix/share/man/man5/collectd-helixflow.5"
ok "the man page renders without warnings" \
    bash -c "! man --warnings=w -l '$src/doc/man/collectd-helixflow.5' 2>&1 >/dev/null | grep -v \"can't break line\" | grep -q ."
ok "the shipped configuration parses (collectd -t)" \
    bash -c "sed 's|^LoadPlugin helixflow|PluginDir \"$(dirname "$so")\"\nLoadPlugin helixflow|' '$src/plugins/collectd/helixflow.conf' > '$dest/c.conf' &&
             sed -i 's|/usr/share/collectd/helixflow-types.db|$src/plugins/collectd/helixflow-types.db|' '$dest/c.conf' &&
             collectd -t -C '$dest/c.conf'"
done_testing
