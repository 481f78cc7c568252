# Node dependencies, exactly as locked.
node --version
npm --version
npm ci --no-audit --no-fund
