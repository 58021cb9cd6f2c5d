// Bridges libprotobuf-c into Swift (the runtime that protoc-c generated code calls).
#ifndef PZ_CPROTOBUFC_SHIM_H
#define PZ_CPROTOBUFC_SHIM_H
#include <protobuf-c/protobuf-c.h>
#endif
