# ApplicationStart: start the application pool and the IIS site.
. (Join-Path $PSScriptRoot 'common.ps1')
Invoke-In64BitPowerShell -ScriptPath $PSCommandPath

Import-Module WebAdministration
$Site = $Bundle.site
$Pool = $Bundle.app_pool

if (-not (Test-Path "IIS:\AppPools\$Pool")) {
    throw "application pool $Pool does not exist: the instance was not prepared by roles/windows_web"
}
if (-not (Test-Path "IIS:\Sites\$Site")) {
    throw "site $Site does not exist: the instance was not prepared by roles/windows_web"
}
if ((Get-WebAppPoolState -Name $Pool).Value -ne 'Started') {
    Start-WebAppPool -Name $Pool
}
if ((Get-WebsiteState -Name $Site).Value -ne 'Started') {
    Start-Website -Name $Site
}
Write-Output "version $($Bundle.version): site $Site and application pool $Pool started"
exit 0
