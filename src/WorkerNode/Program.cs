// The worker executable. Remoting (issue 3) gives it its job: connect to a coordinator, pass the
// key challenge, host actors. Until then it only says so, and exits with a usage error.
Console.Error.WriteLine("Actors.WorkerNode: the worker host arrives with remoting; it cannot run on its own yet.");
return 2;
