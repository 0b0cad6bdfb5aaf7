# bluegreen.aws cloudwatch_agent: apply the CloudWatch agent configuration.
#
# config.template.json (next to this script) names the log streams
# {color}/{instance_id}/...; in an image baked before the color is known, the
# color is the token __BLUEGREEN_COLOR__. This script puts in the color (given,
# else the machine environment variable BLUEGREEN_COLOR that the fleet's user
# data sets at first boot, waited for up to -WaitSeconds, else "unknown" so that
# no log is lost), writes config.json, and (re)starts the agent with it when
# the configuration changed or the agent is not running. Run by the role, and
# at every boot by the scheduled task bluegreen-cloudwatch-agent.
# Prints a JSON object: {"changed": bool, "color": "..."}.
[CmdletBinding()]
param(
    [string]$Color = '',
    [int]$WaitSeconds = 900
)
$ErrorActionPreference = 'Stop'
$dir = Split-Path -Parent $MyInvocation.MyCommand.Path
$template = Join-Path $dir 'config.template.json'
$config = Join-Path $dir 'config.json'

$deadline = (Get-Date).AddSeconds($WaitSeconds)
while (-not $Color) {
    $Color = [Environment]::GetEnvironmentVariable('BLUEGREEN_COLOR', 'Machine')
    if (-not $Color) {
        if ((Get-Date) -gt $deadline) { $Color = 'unknown' } else { Start-Sleep -Seconds 10 }
    }
}
if ($Color -notmatch '^(blue|green|unknown)$') {
    throw "bluegreen: the color must be blue or green, got '$Color'"
}

$text = (Get-Content -Raw -Path $template).Replace('__BLUEGREEN_COLOR__', $Color)
$changed = -not (Test-Path -Path $config) -or ((Get-Content -Raw -Path $config) -ne $text)
if ($changed) {
    [IO.File]::WriteAllText($config, $text, (New-Object -TypeName Text.UTF8Encoding -ArgumentList $false))
}

$service = Get-Service -Name AmazonCloudWatchAgent -ErrorAction SilentlyContinue
if (-not $service) {
    throw 'bluegreen: the AmazonCloudWatchAgent service does not exist; install the agent first'
}
$restart = $changed -or $service.Status -ne 'Running'
if ($restart) {
    $ctl = Join-Path $env:ProgramFiles 'Amazon\AmazonCloudWatchAgent\amazon-cloudwatch-agent-ctl.ps1'
    $global:LASTEXITCODE = 0
    & $ctl -a fetch-config -m ec2 -s -c "file:$config" | Out-Host
    if ($LASTEXITCODE -ne 0) {
        throw "bluegreen: amazon-cloudwatch-agent-ctl.ps1 fetch-config failed with exit code $LASTEXITCODE"
    }
}
@{ changed = [bool]$restart; color = $Color } | ConvertTo-Json -Compress
