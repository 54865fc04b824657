<?php
// Seed 000's gettoken.php, as written, with the server address, workspace and the secure location changed.
//set to the address and workspace of your ProcessMaker server:
$pmServer = getenv("PM_SERVER") . "/workflow";
$secureLocation = getenv("SECURE_LOCATION");

//check if the user clicked on "Deny" or some other error:
if (! empty($_GET['error'])) {
   print "<pre>";
   print_r($_GET);
   print "</pre>";
   die();
}

$credentials = json_decode(file_get_contents("$secureLocation/oauthCredentials.json"));

$postParams = array(
   'grant_type'    => 'authorization_code',
   'code'          => $_GET['code'],
   'client_id'     => $credentials->client_id,
   'client_secret' => $credentials->client_secret
);

$ch = curl_init($pmServer . "/oauth2/token");
curl_setopt($ch, CURLOPT_TIMEOUT, 30);
curl_setopt($ch, CURLOPT_POST, 1);
curl_setopt($ch, CURLOPT_POSTFIELDS, $postParams);
curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);

$result = json_decode(curl_exec($ch));
$httpStatus = curl_getinfo($ch, CURLINFO_HTTP_CODE);
curl_close($ch);

if ($httpStatus != 200) {
   print "Error in HTTP status code: $httpStatus\n";
}
elseif (isset($result->error)) {
   print "<pre>Error logging into $pmServer:\n" .
         "Error:       {$result->error}\n" .
         "Description: {$result->error_description}\n</pre>";
}
else {
   //to save access_token and refresh_token as cookies that will expire 86400 seconds:
   setcookie('access_token',  $result->access_token,  time()+86400);
   setcookie('refresh_token', $result->refresh_token, time()+86400);

   //to save the access_token and refresh_token to a file for later use:
   file_put_contents("$secureLocation/oauthAccess.json", json_encode($result));

   //redirect web browser to a new location:
   header("location: caseslist.html");
}
?>
