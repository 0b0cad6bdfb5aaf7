# Last provisioner of every build: close WinRM for good and generalize the
# image. It cannot be done inline (closing WinRM ends this very session), so
# the work runs from a SYSTEM scheduled task a little after this script
# returns (the task deletes itself once expired); the final step, EC2Launch sysprep, shuts the instance down and
# Packer (disable_stop_instance = true) waits for that, then takes the image.
$ErrorActionPreference = 'Stop'

$seal = @'
$ErrorActionPreference = 'Continue'
Start-Transcript -Path "$env:SystemRoot\Temp\bluegreen-seal.log" -Force
Start-Sleep -Seconds 30

# WinRM closed in the image: no listener, no build certificate, no firewall
# rule, the service disabled. (Instances from this AMI are managed through SSM,
# or get a WinRM listener with a certificate from your CA at launch.)
Get-ChildItem -Path WSMan:\localhost\Listener | Remove-Item -Recurse -Force
Get-ChildItem -Path Cert:\LocalMachine\My |
    Where-Object { $_.FriendlyName -eq 'bluegreen-build-winrm' } |
    Remove-Item -Force
Get-NetFirewallRule -Name 'bluegreen-build-winrm-https' -ErrorAction SilentlyContinue | Remove-NetFirewallRule
Get-NetFirewallRule -Name 'WINRM-HTTP-In-TCP*' -ErrorAction SilentlyContinue | Disable-NetFirewallRule
Stop-Service -Name WinRM -Force
Set-Service -Name WinRM -StartupType Disabled

Remove-Item -Path "$env:SystemRoot\Temp\bluegreen-seal.ps1" -Force

# Generalize: the next boot gets a new SID, runs user data again and generates
# a new Administrator password. EC2Launch v2 (Windows Server 2022), else
# EC2Launch v1 (2016/2019); both shut the instance down when done. The
# transcript keeps running through sysprep, so its end says how far it got.
$ec2launch2 = "$env:ProgramFiles\Amazon\EC2Launch\EC2Launch.exe"
$ec2launch1 = "$env:ProgramData\Amazon\EC2-Windows\Launch\Scripts"
if (Test-Path $ec2launch2) {
    Write-Output "$(Get-Date -Format s) sysprep through EC2Launch v2"
    & $ec2launch2 sysprep --shutdown
    Write-Output "$(Get-Date -Format s) EC2Launch sysprep returned $LASTEXITCODE"
} elseif (Test-Path $ec2launch1) {
    Write-Output "$(Get-Date -Format s) sysprep through EC2Launch v1"
    & "$ec2launch1\InitializeInstance.ps1" -Schedule
    & "$ec2launch1\SysprepInstance.ps1"
    Write-Output "$(Get-Date -Format s) SysprepInstance.ps1 returned"
} else {
    Write-Output "$(Get-Date -Format s) no EC2Launch: shutting down without sysprep"
    Stop-Computer -Force
}
Stop-Transcript
'@

Set-Content -Path "$env:SystemRoot\Temp\bluegreen-seal.ps1" -Value $seal -Encoding UTF8
$action = New-ScheduledTaskAction -Execute 'powershell.exe' `
    -Argument "-NoProfile -ExecutionPolicy Bypass -File `"$env:SystemRoot\Temp\bluegreen-seal.ps1`""
$principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
$trigger = New-ScheduledTaskTrigger -Once -At (Get-Date).AddSeconds(10)
$trigger.EndBoundary = (Get-Date).AddMinutes(30).ToString('s')
$settings = New-ScheduledTaskSettingsSet -DeleteExpiredTaskAfter (New-TimeSpan -Seconds 0) -ExecutionTimeLimit (New-TimeSpan -Hours 1)
Register-ScheduledTask -TaskName 'bluegreen-seal' -Action $action -Principal $principal -Trigger $trigger -Settings $settings -Force | Out-Null
Write-Output 'Sealing scheduled: WinRM will be disabled and the image generalized; the instance then stops.'
exit 0
