#include "caffe_descriptors.h"

const ProtobufCMessageDescriptor *pz_caffe_net_parameter_descriptor(void) {
    return &caffe__net_parameter__descriptor;
}
