import PZFuzzTargets

/// libFuzzer's entry point: one input, consumed by the `kerasJSON` body.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzTarget.kerasJSON.run(start, count)
    return 0
}
