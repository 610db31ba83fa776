/* sms_flow — placeholder until the inbound SMS flow lands. */
#include "callbacks.h"

void
sms_flow_init(void)
{
}
