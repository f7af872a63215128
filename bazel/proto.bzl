"""Compiles .proto files with Debian's protoc (and grpc_cpp_plugin) into a cc_library.

Bazel 4's native proto rules want to download protobuf; a genrule that calls the
system protoc keeps the build offline.
"""

def miniray_cc_proto(name, srcs, deps = [], grpc = False, visibility = None):
    """Generates C++ for `srcs` (paths relative to this package) into a cc_library `name`.

    Args:
      name: the cc_library to create.
      srcs: .proto files in this package.
      deps: other miniray_cc_proto targets whose .proto files `srcs` import.
      grpc: also generate gRPC service stubs (.grpc.pb.{h,cc}).
      visibility: visibility of the cc_library.
    """
    pkg = native.package_name()
    stems = [s[:-len(".proto")] for s in srcs]
    outs = []
    for s in stems:
        outs += [s + ".pb.h", s + ".pb.cc"]
        if grpc:
            outs += [s + ".grpc.pb.h", s + ".grpc.pb.cc"]
    plugin = ""
    if grpc:
        plugin = " --grpc_out=$(GENDIR) --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin"
    native.genrule(
        name = name + "_gen",
        srcs = srcs + [d + "_srcs" for d in deps],
        outs = outs,
        cmd = "/usr/bin/protoc -I. --cpp_out=$(GENDIR)" + plugin + " " +
              " ".join([pkg + "/" + s for s in srcs]),
    )
    native.filegroup(
        name = name + "_srcs",
        srcs = srcs + [d + "_srcs" for d in deps],
        visibility = visibility,
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        deps = deps + ["@system//:protobuf"] + (["@system//:grpc"] if grpc else []),
        visibility = visibility,
    )
