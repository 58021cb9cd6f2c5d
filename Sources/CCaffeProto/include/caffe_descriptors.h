// Stable pointers to the generated message descriptors that Swift code starts from.
// (Swift imports the `const` descriptor globals as values; taking their address
// from Swift would point at a temporary copy.)
#ifndef PZ_CAFFE_DESCRIPTORS_H
#define PZ_CAFFE_DESCRIPTORS_H

#include "caffe.pb-c.h"

/// caffe.NetParameter: the root of a .prototxt file.
const ProtobufCMessageDescriptor *pz_caffe_net_parameter_descriptor(void);

#endif
