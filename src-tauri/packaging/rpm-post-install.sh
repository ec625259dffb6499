# The app answers as the `baton` command line when called by that name (src-tauri/src/main.rs).
ln -sf baton-desktop /usr/bin/baton
