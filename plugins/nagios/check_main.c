/* main() of every check_helixflow_<kind> program; meson defines HFN_MAIN_KIND
 * (a hf_check_kind of the core), or HFN_MAIN_MODE for a mode not yet moved. */
#ifdef HFN_MAIN_KIND
#include "hfn_main.h"

int main(int argc, char **argv)
{
    return hfn_check_main(&HFN_MAIN_KIND, argc, argv);
}
#else
#include "modes.h"

int main(int argc, char **argv)
{
    return hfn_main(&HFN_MAIN_MODE, argc, argv);
}
#endif
