import PZFuzzTargets

/// libFuzzer's entry point: one input, consumed by the `onnx` body.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzTarget.onnx.run(start, count)
    return 0
}
