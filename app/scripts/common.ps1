# Dot-sourced by the hooks: settings of this bundle and the 64-bit relaunch.
$ErrorActionPreference = 'Stop'

# Written by playbooks/bundle.yml; defaults for the seed's application "web".
$Bundle = @{ site = 'web'; app_pool = 'web'; health_path = '/health'; port = 80; version = 'unknown' }
$BundleFile = Join-Path $PSScriptRoot 'bundle.json'
if (Test-Path $BundleFile) {
    $Json = Get-Content -Raw -Path $BundleFile | ConvertFrom-Json
    foreach ($Name in @($Bundle.Keys)) {
        if ($null -ne $Json.$Name) { $Bundle[$Name] = $Json.$Name }
    }
}

function Invoke-In64BitPowerShell {
    <#
      The CodeDeploy agent is a 32-bit process, so hooks start in 32-bit
      PowerShell, where the WebAdministration / IISAdministration modules do not
      load. Start the calling script again in 64-bit PowerShell (through
      SysNative, which 32-bit processes see instead of System32) and exit with
      its exit code. Returns without doing anything when already 64-bit.
    #>
    param([Parameter(Mandatory)] [string] $ScriptPath)
    if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
        $PowerShell64 = Join-Path $env:WINDIR 'SysNative\WindowsPowerShell\v1.0\powershell.exe'
        if (-not (Test-Path -LiteralPath $PowerShell64)) {
            throw "64-bit PowerShell not found at $PowerShell64"
        }
        # Windows PowerShell 5.1 turns every line the child writes to stderr into
        # an error record of this script: under 'Stop' the first one would end
        # this script with exit code 1 and lose the child's own exit code. Only
        # for the relaunch (this function's scope): pass the child's stderr on as
        # text and exit with the child's exit code.
        $ErrorActionPreference = 'Continue'
        & $PowerShell64 -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $ScriptPath 2>&1 | ForEach-Object {
            if ($_ -is [System.Management.Automation.ErrorRecord]) { [Console]::Error.WriteLine($_.ToString()) } else { $_ }
        }
        $ChildExitCode = $LASTEXITCODE
        if ($null -eq $ChildExitCode) { $ChildExitCode = 1 }
        exit $ChildExitCode
    }
}
