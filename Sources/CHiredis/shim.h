#ifndef CONVEYOR_CHIREDIS_SHIM_H
#define CONVEYOR_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <sys/time.h>
#endif
