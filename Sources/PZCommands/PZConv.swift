import ArgumentParser

/// The `pzconv` command: import a trained 3-D ConvNet, verify every optimization
/// against the source framework, and run it fast on CPUs.
public struct PZConv: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pzconv",
        abstract: "Make trained 3D ConvNets (Caffe, Keras) run fast on CPUs, and prove nothing changed.",
        discussion: """
        Pipeline: import (Caffe or Keras → .pzir) → optimize/verify (fusions, each checked against \
        the unfused reference) → export (packed .pz) → run (a patch) / predict (a whole volume) / bench.

        Examples:
          pzconv import model.h5 -o net.pzir
          pzconv import deploy.prototxt --weights model.caffemodel -o net.pzir
          pzconv inspect net.pzir
          pzconv run net.pzir patch.npy -o out.npy
          pzconv predict net.pz raw.zarr -o prediction.zarr
          pzconv submit slurm net.pz raw.zarr -o prediction.zarr --tasks 64 --now
          pzconv status prediction.zarr
          pzconv optimize net.pzir -o net.opt.pzir --tolerance 1e-4
          pzconv verify --tolerance 1e-4
          pzconv export net.pzir -o net.pz
          pzconv bench net.pz --threads 2
        """,
        version: PZConvVersionInfo.text,
        subcommands: [
            ImportCommand.self, VerifyCommand.self, OptimizeCommand.self, ExportCommand.self,
            RunCommand.self, PredictCommand.self, StatusCommand.self, SubmitCommand.self, BenchCommand.self, InspectCommand.self, HDF5WorkerCommand.self,
        ]
    )

    public init() {}
}
