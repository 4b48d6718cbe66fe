// trace page: see app.js for GT.register.
