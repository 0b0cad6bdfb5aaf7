# ValidateService: the health endpoint must answer 200 on this instance, as the
# load balancer's health check asks it. Retries until $BudgetSeconds have passed
# (the first request starts the application); the last request may add its
# $RequestTimeoutSeconds, so the hook ends well inside the ValidateService
# timeout of appspec.yml (tests/integration/test_windows_bundle.py checks the
# sum). A failure fails the deployment, which keeps the load balancer away from
# this version. Needs no IIS cmdlet, so it runs in the agent's 32-bit PowerShell.
. (Join-Path $PSScriptRoot 'common.ps1')

# Not "localhost": the site is bound without a host header, as the load balancer reaches it.
$Url = "http://127.0.0.1:$($Bundle.port)$($Bundle.health_path)"
$BudgetSeconds = 240
$RequestTimeoutSeconds = 10
$PauseSeconds = 5
$Deadline = (Get-Date).AddSeconds($BudgetSeconds)
$Attempt = 0
do {
    $Attempt++
    try {
        $Response = Invoke-WebRequest -Uri $Url -UseBasicParsing -TimeoutSec $RequestTimeoutSeconds
        if ($Response.StatusCode -eq 200) {
            Write-Output "version $($Bundle.version): $Url answered 200 (attempt $Attempt)"
            exit 0
        }
        $Status = $Response.StatusCode
    } catch {
        $Status = $_.Exception.Message
    }
    Write-Output "attempt ${Attempt}: $Url -> $Status"
    if ((Get-Date).AddSeconds($PauseSeconds) -ge $Deadline) { break }
    Start-Sleep -Seconds $PauseSeconds
} while ((Get-Date) -lt $Deadline)
Write-Error "version $($Bundle.version): $Url did not answer 200 within $BudgetSeconds s ($Attempt attempts)"
exit 1
