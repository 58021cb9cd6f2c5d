import ArgumentParser

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a Caffe or Keras model into a .pzir file (pzconv import model.h5 -o net.pzir).",
        discussion: """
        Examples:
          pzconv import model.h5 -o net.pzir
          pzconv import deploy.prototxt --weights model.caffemodel -o net.pzir
          pzconv import deploy.prototxt --weights model.caffemodel.h5 --input-shape 1,1,18,192,192 -o net.pzir
        """
    )

    @Argument(help: "The model: a Caffe .prototxt, a Keras .h5, or a Keras JSON config.")
    var model: String

    @Option(help: "Weights: .caffemodel or .caffemodel.h5 for Caffe, .h5 for a Keras JSON config.")
    var weights: String?

    @Option(name: .shortAndLong, help: "The .pzir file to write.")
    var output: String

    @Option(help: "Override the input shape, e.g. 1,1,18,192,192 (in the source model's layout).")
    var inputShape: String?

    func run() throws {
        throw CommandError.notAvailable("import", until: "the Caffe and Keras importers")
    }
}
