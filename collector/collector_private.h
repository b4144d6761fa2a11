/* collector_private.h (private) - what the store, its setup, the import and the wizard share:
 * the message table of collector_messages.h. */
#ifndef ICS_COLLECTOR_PRIVATE_H
#define ICS_COLLECTOR_PRIVATE_H

#include "collector.h"
#include "collector_messages.h"

typedef enum { ICS_COLLECTOR_MESSAGES(ICS_MESSAGE_ID) C_COUNT } collector_message;

/* Defined in store.c. */
extern const ics_message ics_collector_messages[C_COUNT];

#define CMSG(id) (&ics_collector_messages[id])

#endif
