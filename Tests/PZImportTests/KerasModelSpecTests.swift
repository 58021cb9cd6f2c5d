@testable import PZImport
import Testing

@Suite struct KerasModelSpecTests {
    private func spec(_ json: String) throws -> KerasModelSpec {
        try KerasModelSpec(try JSONValue.parse(json, path: "m.json"), path: "m.json")
    }

    /// Standalone Keras 2.2 names functional models "Model" and writes flat lists.
    @Test func keras22ModelClass() throws {
        let model = try spec("""
        {"class_name": "Model", "config": {"name": "m", "layers": [
          {"class_name": "InputLayer", "name": "a", "config": {"batch_input_shape": [null, 1, 2, 2, 2]}, "inbound_nodes": []},
          {"class_name": "Add", "name": "s", "config": {}, "inbound_nodes": [[["a", 0, 0, {}], ["a", 0, 0, {}]]]}],
          "input_layers": [["a", 0, 0]], "output_layers": [["s", 0, 0]]}}
        """)
        #expect(model.callNumbering == .nestedModelsOffsetByOne)
        #expect(model.layers[1].calls == [[KerasTensorRef(layer: "a", node: 0, tensor: 0), KerasTensorRef(layer: "a", node: 0, tensor: 0)]])
    }

    /// Keras 3 may write a single input leaf, and dictionaries of leaves.
    @Test func keras3InputAndOutputStructures() throws {
        let model = try spec("""
        {"class_name": "Functional", "config": {"name": "m", "layers": [
          {"class_name": "InputLayer", "name": "a", "config": {"batch_shape": [null, 2, 2, 2, 1]}, "inbound_nodes": []},
          {"class_name": "ReLU", "name": "r", "config": {}, "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
            "config": {"shape": [null, 2, 2, 2, 1], "keras_history": ["a", 0, 0]}}], "kwargs": {"mask": null}}]}],
          "input_layers": ["a", 0, 0], "output_layers": {"second": ["r", 0, 0], "first": ["a", 0, 0]}}}
        """)
        #expect(model.callNumbering == .direct)
        #expect(model.inputs == [KerasTensorRef(layer: "a", node: 0, tensor: 0)])
        #expect(model.outputs == [KerasTensorRef(layer: "a", node: 0, tensor: 0), KerasTensorRef(layer: "r", node: 0, tensor: 0)])
    }

    @Test func refusesConstantsAndSubclassedModels() {
        let constant = #expect(throws: ImportError.self) {
            try spec("""
            {"class_name": "Functional", "config": {"name": "m", "layers": [
              {"class_name": "Add", "name": "s", "config": {}, "inbound_nodes": [[["_CONSTANT_VALUE", -1, 2.0, {}]]]}],
              "input_layers": [], "output_layers": [["s", 0, 0]]}}
            """)
        }
        #expect(constant?.description == "m.json: layer 's' is called with a constant value, which pzconv does not support")
        let subclassed = #expect(throws: ImportError.self) { try spec(#"{"class_name": "MyUNet", "config": {}}"#) }
        #expect(subclassed?.description.contains("model class 'MyUNet' is not supported") == true)
        #expect(throws: ImportError.self) { try spec("{not json") }
    }

    /// The numbering rules, per writer and context (see KerasNodeNumbering).
    @Test func nestedModelNumbering() {
        let functional = KerasLayerSpec(className: "Functional", name: "f", config: .null, calls: [],
                                        nested: try? spec(#"{"class_name": "Sequential", "config": {"layers": [{"class_name": "ReLU", "config": {"name": "r", "batch_input_shape": [null, 1, 1, 1, 1]}}]}}"#))
        var sequential = functional
        sequential.className = "Sequential"
        #expect(KerasNodeNumbering.nestedModelsOffsetByOne.callIndex(node: 1, layer: functional, inCall: true) == 0)
        #expect(KerasNodeNumbering.nestedModelsOffsetByOne.callIndex(node: 1, layer: sequential, inCall: false) == 0)
        #expect(KerasNodeNumbering.direct.callIndex(node: 0, layer: functional, inCall: true) == 0)
        #expect(KerasNodeNumbering.direct.callIndex(node: 1, layer: functional, inCall: false) == 0)
        #expect(KerasNodeNumbering.direct.callIndex(node: 0, layer: sequential, inCall: false) == 0)
    }
}
