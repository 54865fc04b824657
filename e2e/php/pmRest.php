<?php
// Seed 000's REST helpers for ProcessMaker 3: pmRestRefresh() as the seed writes it, and pmRestRequest() in the
// shape the seed calls it (pmRestRequest("GET", "/api/1.0/workflow/users", null, $accessToken)), following the
// ProcessMaker 3 wiki. A command line has no browser to send to a login form, so on 401 pmRestRequest returns
// and the caller refreshes, as the seed says: "pmRestRefresh() can be called when a REST endpoint returns 401".
//
// Usage: php pmRest.php SERVER WORKSPACE CLIENT_ID CLIENT_SECRET ACCESS_TOKEN REFRESH_TOKEN
$pmServer    = $argv[1];
$pmWorkspace = $argv[2];

function pmRestRefresh($clientId=null, $clientSecret=null, $refreshToken=null) {
   global $pmServer, $pmWorkspace;
   $clientId     = ($clientId === null and isset($_COOKIE['client_id']))         ? $_COOKIE['client_id']     : $clientId;
   $clientSecret = ($clientSecret === null and isset($_COOKIE['client_secret'])) ? $_COOKIE['client_secret'] : $clientSecret;
   $refreshToken = ($refreshToken === null and isset($_COOKIE['refresh_token'])) ? $_COOKIE['refresh_token'] : $refreshToken;

   $aVars = array(
      'grant_type'    => 'refresh_token',
      'client_id'     => $clientId,
      'client_secret' => $clientSecret,
      'refresh_token' => $refreshToken
   );

   $ch = curl_init("$pmServer/$pmWorkspace/oauth2/token");
   curl_setopt($ch, CURLOPT_TIMEOUT, 30);
   curl_setopt($ch, CURLOPT_POST, 1);
   curl_setopt($ch, CURLOPT_POSTFIELDS, $aVars);
   curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);

   $oToken = json_decode(curl_exec($ch));
   $httpStatus = curl_getinfo($ch, CURLINFO_HTTP_CODE);
   curl_close($ch);

   if ($httpStatus != 200) {
      print "Error in HTTP status code: $httpStatus\n";
   }
   elseif (isset($oToken->error)) {
      print "Error logging into $pmServer:\n" .
         "Error:       {$oToken->error}\n" .
         "Description: {$oToken->description}\n";
   }
   else {
      //Save access token as a cookie that expires in 86400 seconds:
      //(a command line has no browser: the seed's setcookie() is left out here)
   }
   return $oToken;
}

function pmRestRequest($method, $endpoint, $aVars = null, $accessToken = null) {
   global $pmServer;

   if (empty($accessToken) and isset($_COOKIE['access_token']))
      $accessToken = $_COOKIE['access_token'];

   //add beginning / to endpoint if it doesn't exist:
   if (!empty($endpoint) and $endpoint[0] != "/")
      $endpoint = "/" . $endpoint;

   $ch = curl_init($pmServer . $endpoint);
   curl_setopt($ch, CURLOPT_HTTPHEADER, array("Authorization: Bearer " . $accessToken));
   curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
   curl_setopt($ch, CURLOPT_TIMEOUT, 30);
   $method = strtoupper($method);

   switch ($method) {
      case "GET":
         break;
      case "DELETE":
         curl_setopt($ch, CURLOPT_CUSTOMREQUEST, "DELETE");
         break;
      case "PUT":
         curl_setopt($ch, CURLOPT_CUSTOMREQUEST, "PUT");
      case "POST":
         curl_setopt($ch, CURLOPT_POST, 1);
         curl_setopt($ch, CURLOPT_POSTFIELDS, http_build_query($aVars));
         break;
      default:
         throw new Exception("Error: Invalid HTTP method '$method' $endpoint");
         return null;
   }

   $oRet = new StdClass;
   $oRet->response = json_decode(curl_exec($ch));
   $oRet->status = curl_getinfo($ch, CURLINFO_HTTP_CODE);
   curl_close($ch);

   if ($oRet->status == 401) { //if session has expired or bad login:
      return $oRet;             //the caller refreshes the token and tries again
   }
   elseif ($oRet->status != 200 and $oRet->status != 201) { //if error
      if ($oRet->response and isset($oRet->response->error)) {
         print "Error in $pmServer:\nCode: {$oRet->response->error->code}\n" .
               "Message: {$oRet->response->error->message}\n";
      }
      else {
         print "Error: HTTP status code: $oRet->status\n";
      }
   }

   return $oRet;
}

$clientId = $argv[3]; $clientSecret = $argv[4]; $accessToken = $argv[5]; $refreshToken = $argv[6];
$oRet = pmRestRequest("GET", "/api/1.0/$pmWorkspace/users", null, $accessToken);
print "first: {$oRet->status}\n";
if ($oRet->status == 401) {
   $oToken = pmRestRefresh($clientId, $clientSecret, $refreshToken);
   if (!isset($oToken) or !isset($oToken->access_token)) {
      die("Quitting because can't access ProcessMaker REST");
   }
   $oRet = pmRestRequest("GET", "/api/1.0/$pmWorkspace/users", null, $oToken->access_token);
   print "after refresh: {$oRet->status}\n";
}
foreach ($oRet->response as $oUser) {
   print "user: {$oUser->usr_username} {$oUser->usr_status}\n";
}
