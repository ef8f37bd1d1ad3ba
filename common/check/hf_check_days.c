/* hf_check_days: certificate days left (see hf_check_days.h). */
#include "hf_check_days.h"

#include <math.h>

hf_state hf_check_days_state(double days, const hf_range *warn, const hf_range *crit)
{
    if (days < 0)
        return HF_CRITICAL;
    return hf_range_eval(warn, crit, days);
}

double hf_check_days_text(double days)
{
    return floor(fabs(days) * 10.0 + 1e-9) / 10.0;
}

double hf_check_days_metric(double days)
{
    return floor(days * 100.0 + 1e-9) / 100.0;
}
