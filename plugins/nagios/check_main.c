/* main() of every check_helixflow_<kind> program; meson defines HFN_MAIN_KIND,
 * a hf_check_kind of the core. */
#include "hfn_main.h"

int main(int argc, char **argv)
{
    return hfn_check_main(&HFN_MAIN_KIND, argc, argv);
}
