; Inno Setup script: wraps the PyInstaller folder (dist\rtcc) in an installer.
; Build on Windows after the spec: iscc installer\windows\rtcc.iss
; Not built here (see installer/README.md).
#define AppName "RTCC Console"
#define AppVersion "0.1.0"

[Setup]
AppId={{6C3B2E0A-6E86-4E0B-9E2F-2E5C0C7A1B11}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=RTCC Console project
DefaultDirName={autopf}\RTCC
DefaultGroupName=RTCC
OutputBaseFilename=rtcc-setup-{#AppVersion}
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
Compression=lzma2
SolidCompression=yes
PrivilegesRequired=admin

[Files]
; The bundle: rtcc.exe, Qt with QtWebEngine, libVLC and its plugins, migrations, resources.
Source: "..\..\dist\rtcc\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\RTCC Console"; Filename: "{app}\rtcc.exe"; Parameters: "console"
Name: "{autodesktop}\RTCC Console"; Filename: "{app}\rtcc.exe"; Parameters: "console"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
; A recorder host runs the media service as a Windows service with a service wrapper of the
; agency's choice (for example NSSM): "{app}\rtcc.exe" media --record
Filename: "{app}\rtcc.exe"; Parameters: "console"; Description: "Start RTCC Console"; Flags: nowait postinstall skipifsilent
