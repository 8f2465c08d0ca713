"""PyInstaller runtime hook: use the libVLC and plugins inside the bundle, not the machine's.

python-vlc loads the library PYTHON_VLC_LIB_PATH names and points libVLC at the plugins in
PYTHON_VLC_MODULE_PATH; both must be set before `import vlc`."""

import os
import sys
from pathlib import Path

bundle = Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
for name in ("libvlc.so.5", "libvlc.dll"):
    if (bundle / name).is_file():
        os.environ.setdefault("PYTHON_VLC_LIB_PATH", str(bundle / name))
plugins = bundle / "vlc" / "plugins"
if plugins.is_dir():
    os.environ.setdefault("PYTHON_VLC_MODULE_PATH", str(plugins))
    os.environ.setdefault("VLC_PLUGIN_PATH", str(plugins))
