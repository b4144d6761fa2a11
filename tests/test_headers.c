/* test_headers.c - every public header of the project can be included twice (and in any
 * order after the first): its include guard covers all of it. The test is that this file
 * compiles; running it checks nothing more. */
#include "ics_common.h"
#include "ics_error.h"
#include "schema.h"
#include "bundle.h"
#include "keys.h"
#include "kit.h"
#include "collector.h"
#include "answers_file.h"
#include "aggregator.h"
#include "reports.h"
#include "evaluate.h"
#include "ics_yaml.h"
#include "web.h"
#include "xlsx_reader.h"

#include "xlsx_reader.h"
#include "web.h"
#include "ics_yaml.h"
#include "evaluate.h"
#include "reports.h"
#include "aggregator.h"
#include "answers_file.h"
#include "collector.h"
#include "kit.h"
#include "keys.h"
#include "bundle.h"
#include "schema.h"
#include "ics_error.h"
#include "ics_common.h"

int main(void) { return 0; }
