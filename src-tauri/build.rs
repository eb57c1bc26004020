fn main() {
    // Capabilities live under src-tauri/ while the manifest is at the repository root.
    tauri_build::try_build(tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*")).expect("the Tauri build step succeeds");
}
