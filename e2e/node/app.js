// Seed 003's Node.js example, as written, with the URL and credentials taken from the command line.
var request = require('request');

var clientId = process.argv[3];
var clientSecret = process.argv[4];

request({
    url: process.argv[2] + '/oauth/token',
    method: 'POST',
    auth: {
        user: clientId,
        pass: clientSecret
    },
    form: {
        grant_type: 'client_credentials'
    }
}, function(err, res, body) {
    if (err) {
        console.log('Oops, something went wrong!', err);
    } else {
        var json = JSON.parse(body);
        var accessToken = json.access_token;
        console.log('Yay! We got an access token: ', accessToken);
    }
});
