/* main() of every check_helixflow_<mode> program; meson defines HFN_MAIN_MODE. */
#include "modes.h"

int main(int argc, char **argv)
{
    return hfn_main(&HFN_MAIN_MODE, argc, argv);
}
