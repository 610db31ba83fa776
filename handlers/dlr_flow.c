/* dlr_flow — placeholder until the delivery-report flow lands. */
#include "callbacks.h"

void
dlr_flow_init(void)
{
}
