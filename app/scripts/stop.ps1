# ApplicationStop / BeforeInstall: stop the IIS site and its application pool,
# so the files can be replaced. Nothing to do when they do not exist yet.
. (Join-Path $PSScriptRoot 'common.ps1')
Invoke-In64BitPowerShell -ScriptPath $PSCommandPath

Import-Module WebAdministration
$Site = $Bundle.site
$Pool = $Bundle.app_pool

if (Test-Path "IIS:\Sites\$Site") {
    if ((Get-WebsiteState -Name $Site).Value -ne 'Stopped') {
        Stop-Website -Name $Site
    }
    Write-Output "site $Site stopped"
} else {
    Write-Output "site $Site does not exist yet"
}

if (Test-Path "IIS:\AppPools\$Pool") {
    if ((Get-WebAppPoolState -Name $Pool).Value -ne 'Stopped') {
        Stop-WebAppPool -Name $Pool
        # Wait until the worker process has let go of the files (at most 60 s).
        $Deadline = (Get-Date).AddSeconds(60)
        while ((Get-WebAppPoolState -Name $Pool).Value -ne 'Stopped' -and (Get-Date) -lt $Deadline) {
            Start-Sleep -Seconds 1
        }
    }
    Write-Output "application pool ${Pool}: $((Get-WebAppPoolState -Name $Pool).Value)"
} else {
    Write-Output "application pool $Pool does not exist yet"
}
exit 0
