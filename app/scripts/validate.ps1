# ValidateService: the health endpoint must answer 200 on this instance, as the
# load balancer's health check asks it. Retries for up to 2 minutes (the first
# request starts the application). A failure fails the deployment, which keeps
# the load balancer away from this version. Needs no IIS cmdlet, so it runs in
# the agent's 32-bit PowerShell.
. (Join-Path $PSScriptRoot 'common.ps1')

# Not "localhost": the site is bound without a host header, as the load balancer reaches it.
$Url = "http://127.0.0.1:$($Bundle.port)$($Bundle.health_path)"
$Attempts = 24
for ($Attempt = 1; $Attempt -le $Attempts; $Attempt++) {
    try {
        $Response = Invoke-WebRequest -Uri $Url -UseBasicParsing -TimeoutSec 10
        if ($Response.StatusCode -eq 200) {
            Write-Output "version $($Bundle.version): $Url answered 200 (attempt $Attempt)"
            exit 0
        }
        $Status = $Response.StatusCode
    } catch {
        $Status = $_.Exception.Message
    }
    Write-Output "attempt $Attempt/$($Attempts): $Url -> $Status"
    Start-Sleep -Seconds 5
}
Write-Error "version $($Bundle.version): $Url did not answer 200 after $Attempts attempts"
exit 1
