@testable import PZImport
import Testing

@Suite struct PrototxtParserTests {
    private func parse(_ text: String) throws -> ProtoMessage {
        try TextFormatParser.parse(text, as: .netParameter, path: "net.prototxt")
    }

    private func layer(_ text: String) throws -> ProtoMessage {
        try parse("layer { \(text) }").messages("layer")[0]
    }

    private func expectError(_ text: String, _ description: String) {
        let error = #expect(throws: PrototxtError.self) { try parse(text) }
        #expect(error?.description == description)
    }

    @Test func fieldsByNameAndType() throws {
        let net = try parse("""
        # a comment
        name: "tiny"   # trailing comment
        input: 'data'; input_dim: 1, input_dim: 0x3
        layer {
          name: "c" type: "Convolution"
          convolution_param: { num_output: 012 kernel_size: [1, 3, 3] bias_term: False }
          param < lr_mult: 1.5e0 decay_mult: -2f >
        }
        """)
        #expect(net.string("name") == "tiny")
        #expect(net.strings("input") == ["data"])
        #expect(net.integers("input_dim") == [1, 3])
        let conv = net.messages("layer")[0].message("convolution_param")
        #expect(conv.integer("num_output") == 10)
        #expect(conv.integers("kernel_size") == [1, 3, 3])
        #expect(conv.boolean("bias_term") == false)
        let param = net.messages("layer")[0].messages("param")[0]
        #expect(param.real("lr_mult") == 1.5)
        #expect(param.real("decay_mult") == -2)
    }

    @Test func defaultsComeFromTheSchema() throws {
        let conv = try layer("type: \"Convolution\"").message("convolution_param")
        #expect(conv.boolean("bias_term") == true)
        #expect(conv.integer("group") == 1)
        #expect(try layer("").message("batch_norm_param").real("eps") == Double(Float(1e-5)))
        #expect(try layer("").message("pooling_param").enumName("pool") == "MAX")
        #expect(try layer("").message("pooling_param").enumName("round_mode") == "CEIL")
        #expect(try layer("").message("eltwise_param").enumName("operation") == "SUM")
        #expect(try layer("").message("crop_param").integer("axis") == 2)
    }

    @Test func enumsByNameOrNumber() throws {
        #expect(try layer("pooling_param { pool: AVE }").message("pooling_param").enumName("pool") == "AVE")
        #expect(try layer("pooling_param { pool: 1 }").message("pooling_param").enumName("pool") == "AVE")
        expectError("layer { pooling_param { pool: AVERAGE } }", "net.prototxt:1:31: 'AVERAGE' is not a value of 'pool'")
    }

    @Test func stringsWithEscapesAndConcatenation() throws {
        let message = try layer(#"name: "a\tb" 'c\'d' "\x41\101\u00e9" type: "T""#)
        #expect(message.string("name") == "a\tbc'dAAé")
    }

    @Test func specialFloatsAndBools() throws {
        let relu = try layer("relu_param { negative_slope: -inf }").message("relu_param")
        #expect(relu.real("negative_slope") == -.infinity)
        #expect(try layer("scale_param { bias_term: t }").message("scale_param").boolean("bias_term"))
    }

    @Test func forkFieldsParse() throws {
        let pooling = try layer("""
        type: "PoolingND" pooling_nd_param { pool: MAX kernel_size: 1 kernel_size: 2 kernel_size: 2 stride: 1 stride: 2 stride: 2 }
        """).message("pooling_nd_param")
        #expect(pooling.integers("kernel_size") == [1, 2, 2])
        let merge = try layer("type: \"MergeCrop\" mergecrop_param { operation: ADD forward: true forward: true }")
        #expect(merge.message("mergecrop_param").enumName("operation") == "ADD")
        #expect(try layer("exp_param { base: 2 }").message("exp_param").real("base_value") == 2)
    }

    @Test func errorsCarryLineAndColumn() {
        expectError("layer {\n  name: \"c\"\n  kernal_size: 3\n}", "net.prototxt:3:3: unknown field 'kernal_size' in LayerParameter")
        expectError("layer { name \"c\" }", "net.prototxt:1:14: expected ':' after 'name', found '\"c\"'")
        expectError("layer { name: \"c\" name: \"d\" }",
                    "net.prototxt:1:19: field 'name' of LayerParameter is given more than once (first at line 1, column 9)")
        expectError("layer { convolution_param { num_output: -3 } }",
                    "net.prototxt:1:41: -3 is out of range for 'num_output'")
        expectError("layer { name: \"c }", "net.prototxt:1:15: unterminated string")
        expectError("layer { name: \"c\"", "net.prototxt:1:18: expected '}' to close the LayerParameter opened at line 1, column 1")
        expectError("name: 3", "net.prototxt:1:7: 'name' takes a quoted string")
        expectError("layer { convolution_param { num_output: 2.5 } }",
                    "net.prototxt:1:41: 'num_output' takes an integer, found '2.5'")
        expectError("layer { name: \"c\" } }", "net.prototxt:1:21: expected a field name, found '}'")
        expectError("name: \"x\" @", "net.prototxt:1:11: unexpected character '@'")
    }
}
