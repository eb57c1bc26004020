// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // First, while this is the only thread: the web process inherits the environment.
    reconagent_app::memory::set_web_process_env();
    reconagent_app::run();
}
