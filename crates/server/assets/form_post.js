// orgwarden sign-in: response_mode=form_post. Sends the answer to the application at once;
// without JavaScript the page's button does the same.
"use strict";
document.getElementById("form-post").submit();
